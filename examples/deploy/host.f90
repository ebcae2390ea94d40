! host.f90 - the exported valve model from Fortran, through the module
! cnetc export --fortran writes (valve.f90): the flow on the grid host.c
! uses, one sample at a time (valve_predict) and all at once
! (valve_predict_n).  Prints x0,x1,y.
! Build (build.sh does): gfortran valve.f90 host.f90 valve.o valve_w.o
program host
  use, intrinsic :: iso_c_binding, only: c_float, c_long
  use valve_cnet
  implicit none
  real(c_float) :: x(valve_num_inputs, 25), y(valve_num_outputs, 25)
  real(c_float) :: yn(valve_num_outputs, 25)
  integer :: i

  do i = 1, 25
    x(1, i) = real((i - 1) / 5, c_float) / 4
    x(2, i) = real(mod(i - 1, 5), c_float) / 4
    call valve_predict(x(:, i), y(:, i))
  end do
  call valve_predict_n(25_c_long, x, yn)
  print '(a)', 'x0,x1,y'
  do i = 1, 25
    print '(es16.8e3, ",", es16.8e3, ",", es16.8e3)', x(1, i), x(2, i), y(1, i)
  end do
  if (any(y /= yn) .or. any(y < 0) .or. any(y > 1)) stop 1
end program host
